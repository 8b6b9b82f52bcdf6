// Draws the dashboard charts from the JSON the page embeds (no inline script: CSP forbids it).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const palette = ["#b3261e", "#1b7f3b", "#a86b00", "#2f5d8a", "#6b4c9a", "#2a8c8c", "#8a5a2f"];
  const make = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); canvas.dataset.drawn = "1"; }
  };
  make("chart-funnel", {
    type: "bar",
    data: { labels: Object.keys(data.funnel), datasets: [{ label: "applications", data: Object.values(data.funnel), backgroundColor: palette }] },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
  make("chart-scores", {
    type: "bar",
    data: { labels: Object.keys(data.scores), datasets: [{ label: "decisions", data: Object.values(data.scores), backgroundColor: "#2f5d8a" }] },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
  const products = [...new Set(data.outstanding.map((r) => r.product))];
  const buckets = [...new Set(data.outstanding.map((r) => r.bucket))];
  make("chart-outstanding", {
    type: "bar",
    data: {
      labels: products,
      datasets: buckets.map((bucket, i) => ({
        label: bucket,
        backgroundColor: palette[i % palette.length],
        data: products.map((p) => {
          const row = data.outstanding.find((r) => r.product === p && r.bucket === bucket);
          return row ? row.principal_minor / 100 : 0;
        }),
      })),
    },
    options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true } } },
  });
  const months = Object.keys(data.vintages);
  const longest = Math.max(0, ...months.map((m) => data.vintages[m].length));
  make("chart-vintages", {
    type: "line",
    data: {
      labels: [...Array(longest).keys()],
      datasets: months.map((m, i) => ({ label: m, data: data.vintages[m].map((v) => v * 100), borderColor: palette[i % palette.length], pointRadius: 0, fill: false })),
    },
    options: { animation: false, scales: { y: { title: { display: true, text: "% charged off" } }, x: { title: { display: true, text: "months on book" } } } },
  });
})();
