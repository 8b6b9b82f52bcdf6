"""One router per resource.

Where a route runs: a route whose work is bounded by one subject (one application, loan, line or
customer) is `async def` and runs on the event loop, the database calls included; the rest
(lists, reports, end-of-day, verification, and sign-in and customer registration with their
deliberately slow password hash) are plain `def` and run in the thread pool.

Why: the bounded routes are a few milliseconds of Python, and Python runs one thread at a time.
In the thread pool every request's thread had to win the interpreter lock back after each
database call, against the event loop parsing the next requests; under load that convoy made a
checkout wait hundreds of milliseconds for a millisecond of work (bench/RESULTS.md). On the loop
they run one after another with no hand-offs. Routes whose work grows with the book stay in the
pool so that a long report never stops the loop, and a loop request never waits long behind a
long job: on SQLite it waits at most a second for the writer gate (none once a long job holds
it), on PostgreSQL two seconds for a row lock; then 503 `database_busy` with Retry-After.
"""
