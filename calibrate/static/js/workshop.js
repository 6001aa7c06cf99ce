// Charts and live refresh for the trainer's dashboard, projector and report.
//
// Each page embeds its numbers in <script type="application/json" class="workshop-charts">
// (no inline scripts: the CSP forbids them) next to canvases marked data-chart="<kind>".
// htmx polls the live region every 2 s; a response identical to the last one is not
// swapped, so charts are redrawn only when something changed.
(function () {
  "use strict";

  const ACCENT = "#2457d6", ACCENT_LIGHT = "rgba(36, 87, 214, 0.25)", ROUND2 = "#1f7a4d";
  const GREY = "#9aa3b5", INK = "#1d2433";
  const SERIES_COLOURS = [ACCENT, ROUND2];
  const projector = document.body.classList.contains("projector");
  // Axis titles and legends in the page's language (templates/_chart_words.html).
  const WORDS = JSON.parse(document.getElementById("chart-words").textContent);
  const charts = new Set();

  // Projector text scales with the screen: 28 px on a 1080p projector (legible from 10 m), smaller on a laptop or phone.
  Chart.defaults.font.size = projector ? Math.max(14, Math.min(32, Math.round(window.innerWidth / 68))) : 13;
  Chart.defaults.color = INK;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  // An axis with its title.
  function axis(title, extra) {
    return Object.assign({ title: { display: Boolean(title), text: title }, grid: { color: "#e3e7ef" } }, extra || {});
  }

  function histogram(data, xTitle) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.label, data: series.counts, backgroundColor: SERIES_COLOURS[i % 2],
          categoryPercentage: 0.9, barPercentage: 0.95,
        })),
      },
      options: {
        plugins: { legend: { display: data.series.length > 1, position: "bottom" } },
        scales: {
          x: axis(xTitle, { ticks: { maxRotation: projector ? 0 : 50 } }),
          y: axis(WORDS.people, { beginAtZero: true, ticks: { precision: 0 } }),
        },
      },
    };
  }

  // Group means as points with their 95% confidence intervals as floating bars.
  function meanCi(groups) {
    const ci = groups.map((g) => (g.low === null || g.high === null ? null : [g.low, g.high]));
    return {
      type: "bar",
      data: {
        labels: groups.map((g) => wrap(g.label + " (n = " + g.n + ")", projector ? 24 : 30)),
        datasets: [
          { type: "line", label: WORDS.mean, data: groups.map((g) => g.mean), showLine: false, pointRadius: projector ? 12 : 7,
            backgroundColor: INK, borderColor: INK, order: 0 },
          { label: WORDS.ci95, data: ci, backgroundColor: ACCENT_LIGHT, borderColor: ACCENT, borderWidth: 2,
            barPercentage: 0.3, order: 1 },
        ],
      },
      options: {
        plugins: { legend: { display: !projector, position: "bottom" } },
        scales: { y: axis(WORDS.egocentric_weight, { suggestedMin: 0 }) },
      },
    };
  }

  // Lines of at most `width` characters (Chart.js draws an array as several lines but never wraps by itself).
  function wrap(text, width) {
    const lines = [""];
    text.split(" ").forEach((word) => {
      if (lines[lines.length - 1].length + word.length > width) lines.push("");
      lines[lines.length - 1] += (lines[lines.length - 1] ? " " : "") + word;
    });
    return lines;
  }

  // Horizontal bars, so the items' names can be read in full (wrapped, never cut).
  function items(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels.map((label) => wrap(label, projector ? 44 : 40)),
        datasets: [
          { label: WORDS.recorded, data: data.truth, backgroundColor: GREY },
          { label: WORDS.prediction, data: data.prediction, backgroundColor: ACCENT },
        ],
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { title: (points) => wrap(data.titles[points[0].dataIndex], 60) } },
        },
        scales: {
          x: axis(data.unit || WORDS.value, { beginAtZero: true }),
          y: { ticks: { autoSkip: false, font: { size: projector ? Chart.defaults.font.size : 12 } } },
        },
      },
    };
  }

  const BUILDERS = {
    egocentric: (d) => histogram(d.egocentric, WORDS.egocentric_axis),
    mae: (d) => histogram(d.mae, WORDS.mae_axis),
    items: (d) => items(d.items),
    conditions: (d) => meanCi(d.conditions),
    rounds: (d) => meanCi(d.rounds),
  };

  function draw(root) {
    charts.forEach((chart) => {
      if (!chart.canvas.isConnected) { chart.destroy(); charts.delete(chart); }
    });
    const node = root.querySelector("script.workshop-charts");
    if (!node) return;
    const data = JSON.parse(node.textContent);
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const build = BUILDERS[canvas.dataset.chart];
      if (build) charts.add(new Chart(canvas, build(data)));
    });
  }

  const lastResponse = new WeakMap();
  const withoutTokens = (html) => html.replace(/name="csrf_token" value="[^"]*"/g, "");
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target, text = event.detail.serverResponse;
    const stale = (event.detail.xhr.startedAt || Infinity) < lastMove;  // asked before the last slide move
    // Each response signs its forms' CSRF tokens anew: compare without them, or every poll would redraw.
    const content = withoutTokens(text);
    if (lastResponse.get(target) === content || stale) event.detail.shouldSwap = false;
    lastResponse.set(target, content);
  });
  document.body.addEventListener("htmx:afterSwap", (event) => draw(event.detail.target));

  // Closing asks first (the button carries the question in data-confirm).
  document.body.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  // The presenter moves the projector's slides with the arrow keys, Page Up/Down (what a clicker sends) or space.
  // Moves are sent one after another, none dropped however fast the clicker goes; a poll that was already
  // on its way when a move was pressed is not shown, so the screen never jumps back to the slide before.
  const live = document.querySelector("[data-slide-url]");
  const KEYS = { ArrowRight: "next", ArrowDown: "next", PageDown: "next", " ": "next", ArrowLeft: "previous", ArrowUp: "previous", PageUp: "previous", Home: "join" };
  let moves = Promise.resolve(), pending = 0, lastMove = 0;
  function move(to) {
    pending += 1;
    lastMove = Date.now();
    const body = new FormData();
    body.append("to", to);
    body.append("csrf_token", live.dataset.csrf);
    moves = moves
      .then(() => fetch(live.dataset.slideUrl, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" }))
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        pending -= 1;
        lastMove = Date.now();
        if (html !== null && pending === 0) {
          live.innerHTML = html;
          lastResponse.set(live, withoutTokens(html));
          draw(live);
        }
      })
      .catch(() => { pending -= 1; });
  }
  if (live) {
    document.body.addEventListener("htmx:beforeRequest", (event) => {
      if (pending > 0) event.preventDefault();
      else event.detail.xhr.startedAt = Date.now();
    });
    document.addEventListener("keydown", (event) => {
      const to = KEYS[event.key];
      if (!to || event.altKey || event.ctrlKey || event.metaKey || event.target.closest("button, a, input")) return;
      event.preventDefault();
      move(to);
    });
  }

  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
  // Redraw at the printed size, and back, so printed charts are sharp and undistorted.
  ["beforeprint", "afterprint"].forEach((name) => window.addEventListener(name, () => charts.forEach((chart) => chart.resize())));
  draw(document);
})();
