// Draws each report chart from the JSON the page embeds next to it (json_script): no inline script, so
// the production Content-Security-Policy holds. The data table under each chart carries the same figures.
(function () {
  "use strict";
  var PALETTE = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var datasets = data.datasets.map(function (set, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: set.label,
        data: set.data,
        borderColor: colour,
        backgroundColor: data.type === "line" ? colour : colour + "cc",
        // Monotone curves never overshoot: a line between two counts never dips below zero.
        cubicInterpolationMode: "monotone",
        pointRadius: data.labels.length > 60 ? 0 : 2,
        spanGaps: true,
      };
    });
    new window.Chart(canvas, {
      type: data.type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          title: { display: true, text: data.title },
          legend: { display: datasets.length > 1 },
        },
        scales: {
          x: { title: { display: true, text: data.x } },
          y: { beginAtZero: true, title: { display: true, text: data.y } },
        },
      },
    });
    canvas.dataset.drawn = "1";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
