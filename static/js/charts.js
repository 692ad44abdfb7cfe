// Draws every <canvas class="js-chart" data-chart='{Chart.js config}'> on the page.
// The same numbers are always in a table beside the chart, so the page reads without JavaScript.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas.js-chart").forEach(function (canvas) {
      var config;
      try { config = JSON.parse(canvas.dataset.chart); } catch (e) { return; }
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false } } }, config.options || {});
      canvas.parentElement.style.height = canvas.getAttribute("height") + "px";
      new window.Chart(canvas, config);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
