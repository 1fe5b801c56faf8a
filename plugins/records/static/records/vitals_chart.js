// One small line chart per vital sign over time, from the series the page embeds (clinic's units).
(function () {
  "use strict";
  var holder = document.getElementById("vitals-charts");
  if (!holder || typeof Chart === "undefined") return;
  var series = JSON.parse(holder.dataset.series || "[]");
  series.forEach(function (s) {
    var box = document.createElement("figure");
    var caption = document.createElement("figcaption");
    caption.className = "text-sm font-medium";
    caption.textContent = s.label + " (" + s.unit + ")";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", s.label);
    var frame = document.createElement("div");
    frame.style.position = "relative";
    frame.style.height = "160px";
    frame.appendChild(canvas);
    box.appendChild(caption);
    box.appendChild(frame);
    holder.appendChild(box);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: s.points.map(function (p) { return p.x.slice(0, 10); }),
        datasets: [{ data: s.points.map(function (p) { return p.y; }), borderColor: "#18181b", tension: 0.2, pointRadius: 2 }],
      },
      options: { plugins: { legend: { display: false } }, animation: false, maintainAspectRatio: false },
    });
  });
})();
