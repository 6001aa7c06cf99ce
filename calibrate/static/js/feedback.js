// Draws the feedback charts from the JSON embedded next to each canvas. Titles and how to read each chart
// are in the page (templates/participant/feedback.html); the item table below them holds every number.
// Axis titles and legends come from the page's #chart-words block, in the page's language.
(function () {
  const words = JSON.parse(document.getElementById("chart-words").textContent);
  const locale = document.documentElement.lang || "en";
  const accent = "#2457d6", muted = "#5b6475", bad = "#b42318", good = "#1f7a4d", ink = "#1d2433";
  const narrow = window.innerWidth < 560;

  // Lines of at most `width` characters: Chart.js draws an array as several lines but never wraps by itself.
  function wrap(text, width) {
    const lines = [""];
    String(text).split(" ").forEach((word) => {
      if (lines[lines.length - 1] && lines[lines.length - 1].length + word.length >= width) lines.push("");
      lines[lines.length - 1] += (lines[lines.length - 1] ? " " : "") + word;
    });
    return lines;
  }

  function scatter(canvas, points, xTitle, yTitle, extra, xTicks) {
    return new Chart(canvas, {
      type: "scatter",
      data: { datasets: [{ label: words.your_items, data: points, backgroundColor: accent, pointRadius: 5 }].concat(extra) },
      options: {
        maintainAspectRatio: false,
        locale: locale,  // tick numbers with the page language's decimal sign
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

  // Calibration at a glance: each item's range as a bar, green and marked ✓ when it caught the recorded value
  // (red and ✗ when not, so colour is never the only sign); labels wrap instead of being cut.
  function intervals(canvas, points, unit, range) {
    const hit = (p) => p.lower <= p.truth && p.truth <= p.upper;
    const labels = points.map((p) => wrap((hit(p) ? "✓ " : "✗ ") + p.label, narrow ? 22 : 36));
    // Room for every wrapped label: every item gets the band of the longest label (Chart.js spaces items evenly).
    const lines = Math.max(2, ...labels.map((label) => label.length));
    canvas.parentNode.style.height = Math.max(320, 100 + points.length * lines * 16) + "px";
    return new Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "line", label: words.recorded_value, data: points.map((p, i) => ({ x: p.truth, y: i })),
            showLine: false, pointStyle: "crossRot", pointRadius: 8, borderWidth: 3, borderColor: ink, backgroundColor: ink, order: 0 },
          { type: "bar", label: words.caught, data: points.map((p) => (hit(p) ? [p.lower, p.upper] : null)),
            backgroundColor: "rgba(31,122,77,.55)", borderColor: good, borderWidth: 1, borderSkipped: false, barPercentage: 0.7, grouped: false, order: 1, pointStyle: "rect" },
          { type: "bar", label: words.missed, data: points.map((p) => (hit(p) ? null : [p.lower, p.upper])),
            backgroundColor: "rgba(180,35,24,.45)", borderColor: bad, borderWidth: 1, borderSkipped: false, barPercentage: 0.7, grouped: false, order: 1, pointStyle: "rect" },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        locale: locale,  // tick numbers with the page language's decimal sign
        animation: false,
        plugins: { legend: { position: "bottom", labels: { usePointStyle: true } } },
        scales: {
          x: { min: range[0], max: range[1], title: { display: true, text: words.value + unit } },
          y: { type: "category", ticks: { autoSkip: false } },
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
      words.recorded_value + unit, words.your_prediction,
      [{ type: "line", label: words.perfect_prediction, data: [{ x: lo, y: lo }, { x: hi, y: hi }],
         borderColor: muted, borderDash: [6, 4], pointRadius: 0 }]
    );

    const own = data.points.filter((p) => p.own !== null).map((p) => ({ x: p.own, y: p.error }));
    const fit = leastSquares(own);
    const extra = [{ type: "line", label: words.no_error, data: [{ x: ownLo, y: 0 }, { x: ownHi, y: 0 }],
                     borderColor: muted, borderDash: [6, 4], pointRadius: 0 }];
    if (fit) extra.push({ type: "line", label: words.trend, data: [{ x: ownLo, y: fit(ownLo) }, { x: ownHi, y: fit(ownHi) }],
                          borderColor: bad, pointRadius: 0 });
    // When every item shares the same answer options, label the axis with them ("Too little", "Yes").
    const labels = data.own_labels;
    const xTicks = Object.keys(labels).length
      ? { stepSize: 1, callback: (value) => labels[Number(value).toFixed(1)] ?? labels[String(value)] ?? "" }
      : null;
    scatter(document.getElementById("chart-own-" + round), own, words.your_own_answer, words.error_axis, extra, xTicks);

    const canvas = document.getElementById("chart-intervals-" + round);
    if (canvas) intervals(canvas, data.points.filter((p) => p.lower !== null && p.upper !== null), unit, data.range);
  });
})();
