"""Fraud checks on the relationship graph of applicants and on application velocity.

Applicants are linked when they share a device, phone, bank card or address; the graph's
connected components are kept with a union-find (path halving, union by size). An application is
assessed on: the size of its component, how many other applicants share its device, phone or
card, whether its component contains confirmed fraud, and how many applications its device made
in the last hour. Families sharing an address or a phone make components of two or three; the
planted rings of the simulator make components of six to forty.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from puhui.credit.adapters import IdentityBatch

VELOCITY_WINDOW = timedelta(hours=1)
MAX_VELOCITY_HISTORY = 64
IDENTIFIER_KINDS = ("device", "phone", "card", "address")


@dataclass(frozen=True, slots=True)
class Identity:
    device_id: int
    phone_id: int
    card_id: int
    address_id: int

    @classmethod
    def from_batch(cls, batch: IdentityBatch, index: int) -> Identity:
        return cls(
            int(batch.device_id[index]),
            int(batch.phone_id[index]),
            int(batch.card_id[index]),
            int(batch.address_id[index]),
        )

    def identifiers(self) -> tuple[tuple[str, int], ...]:
        return (
            ("device", self.device_id),
            ("phone", self.phone_id),
            ("card", self.card_id),
            ("address", self.address_id),
        )


@dataclass(frozen=True, slots=True)
class FraudAssessment:
    cluster_size: int
    shared_device_applicants: int
    connected_to_known_fraud: bool
    applications_last_hour: int

    def as_context(self) -> dict[str, float]:
        return {
            "fraud.cluster_size": float(self.cluster_size),
            "fraud.shared_device_applicants": float(self.shared_device_applicants),
            "fraud.connected_to_known_fraud": float(self.connected_to_known_fraud),
            "fraud.applications_last_hour": float(self.applications_last_hour),
        }


@dataclass
class FraudGraph:
    """The graph of every applicant seen, with confirmed fraud marked (in memory)."""

    _parent: dict[int, int] = field(default_factory=dict)
    _size: dict[int, int] = field(default_factory=dict)
    _fraud_roots: set[int] = field(default_factory=set)
    _owner: dict[tuple[str, int], int] = field(default_factory=dict)
    _sharers: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    _recent: dict[int, deque[datetime]] = field(default_factory=dict)

    def _find(self, node: int) -> int:
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def _union(self, first: int, second: int) -> None:
        a, b = self._find(first), self._find(second)
        if a == b:
            return
        if self._size[a] < self._size[b]:
            a, b = b, a
        self._parent[b] = a
        self._size[a] += self._size[b]
        if b in self._fraud_roots:
            self._fraud_roots.discard(b)
            self._fraud_roots.add(a)

    def add(self, applicant_id: int, identity: Identity) -> None:
        """Link an applicant to everyone sharing an identifier with him (idempotent)."""
        if applicant_id not in self._parent:
            self._parent[applicant_id] = applicant_id
            self._size[applicant_id] = 1
        for key in identity.identifiers():
            self._sharers[key].add(applicant_id)
            owner = self._owner.setdefault(key, applicant_id)
            if owner != applicant_id:
                self._union(owner, applicant_id)

    def mark_fraud(self, applicant_ids: Iterable[int]) -> None:
        """Record confirmed fraud; its whole component counts as connected to fraud."""
        for applicant_id in applicant_ids:
            if applicant_id in self._parent:
                self._fraud_roots.add(self._find(applicant_id))

    def assess(
        self, applicant_id: int, identity: Identity, at: datetime | None = None
    ) -> FraudAssessment:
        """Add the application to the graph and assess it (velocity counts if `at` is given)."""
        self.add(applicant_id, identity)
        root = self._find(applicant_id)
        sharing = set()
        for kind, value in identity.identifiers()[
            :3
        ]:  # device, phone, card: not a family's address
            sharing |= self._sharers[(kind, value)]
        sharing.discard(applicant_id)
        return FraudAssessment(
            cluster_size=self._size[root],
            shared_device_applicants=len(sharing),
            connected_to_known_fraud=root in self._fraud_roots,
            applications_last_hour=self._velocity(identity.device_id, at) if at else 0,
        )

    def _velocity(self, device_id: int, at: datetime) -> int:
        times = self._recent.setdefault(device_id, deque(maxlen=MAX_VELOCITY_HISTORY))
        times.append(at)
        return sum(1 for moment in times if at - moment < VELOCITY_WINDOW)

    def cluster_sizes(self, applicant_ids: Iterable[int]) -> list[int]:
        return [self._size[self._find(a)] for a in applicant_ids]
