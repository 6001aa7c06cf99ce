// Draws the two feedback scatter plots from the JSON embedded next to each canvas.
(function () {
  const accent = "#2457d6", muted = "#8a93a5", bad = "#b42318";

  function scatter(canvas, points, xTitle, yTitle, extra, xTicks) {
    return new Chart(canvas, {
      type: "scatter",
      data: { datasets: [{ label: "Your items", data: points, backgroundColor: accent, pointRadius: 5 }].concat(extra) },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { title: { display: true, text: xTitle }, ticks: xTicks || {} },
          y: { title: { display: true, text: yTitle } },
        },
      },
    });
  }

  function leastSquares(points) {
    const n = points.length;
    if (n < 2) return null;
    const mx = points.reduce((s, p) => s + p.x, 0) / n, my = points.reduce((s, p) => s + p.y, 0) / n;
    const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
    if (sxx === 0) return null;
    const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
    return (x) => my + slope * (x - mx);
  }

  // Calibration at a glance: each item's range as a bar, green when it caught the recorded value.
  function intervals(canvas, points, unit, range) {
    const hit = (p) => p.lower <= p.truth && p.truth <= p.upper;
    return new Chart(canvas, {
      data: {
        labels: points.map((p) => p.label),
        datasets: [
          { type: "line", label: "Recorded value", data: points.map((p) => ({ x: p.truth, y: p.label })),
            showLine: false, pointStyle: "crossRot", pointRadius: 8, borderWidth: 3, borderColor: "#1d2433" },
          { type: "bar", label: "Your 80% range", data: points.map((p) => [p.lower, p.upper]),
            backgroundColor: points.map((p) => (hit(p) ? "rgba(31,122,77,.55)" : "rgba(180,35,24,.55)")),
            borderSkipped: false, barPercentage: 0.7 },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { min: range[0], max: range[1], title: { display: true, text: "Value" + unit } },
          y: { ticks: { autoSkip: false, callback: function (value) {
            const label = this.getLabelForValue(value);
            return label.length > 28 ? label.slice(0, 27) + "…" : label;
          } } },
        },
      },
    });
  }

  document.querySelectorAll("script.chart-data").forEach((node) => {
    const data = JSON.parse(node.textContent), round = node.dataset.round;
    const [lo, hi] = data.range, [ownLo, ownHi] = data.own_range;
    const unit = data.unit ? " (" + data.unit + ")" : "";

    scatter(
      document.getElementById("chart-truth-" + round),
      data.points.map((p) => ({ x: p.truth, y: p.prediction })),
      "Recorded value" + unit, "Your prediction",
      [{ type: "line", label: "Perfect prediction", data: [{ x: lo, y: lo }, { x: hi, y: hi }],
         borderColor: muted, borderDash: [6, 4], pointRadius: 0 }]
    );

    const own = data.points.filter((p) => p.own !== null).map((p) => ({ x: p.own, y: p.error }));
    const fit = leastSquares(own);
    const extra = [{ type: "line", label: "No error", data: [{ x: ownLo, y: 0 }, { x: ownHi, y: 0 }],
                     borderColor: muted, borderDash: [6, 4], pointRadius: 0 }];
    if (fit) extra.push({ type: "line", label: "Trend", data: [{ x: ownLo, y: fit(ownLo) }, { x: ownHi, y: fit(ownHi) }],
                          borderColor: bad, pointRadius: 0 });
    // When every item shares the same answer options, label the axis with them ("Too little", "Yes").
    const labels = data.own_labels;
    const xTicks = Object.keys(labels).length
      ? { stepSize: 1, callback: (value) => labels[Number(value).toFixed(1)] ?? labels[String(value)] ?? "" }
      : null;
    scatter(document.getElementById("chart-own-" + round), own, "Your own answer", "Prediction error (prediction − recorded)", extra, xTicks);

    const canvas = document.getElementById("chart-intervals-" + round);
    if (canvas) intervals(canvas, data.points.filter((p) => p.lower !== null && p.upper !== null), unit, data.range);
  });
})();
