// Charts of the statistics page (templates/analyst/statistics.html), with PNG and SVG downloads.
//
// The page embeds its numbers in <script type="application/json" id="analysis-charts"> (the CSP forbids inline
// scripts) next to canvases marked data-chart="<kind>", as the trainer pages do (static/js/workshop.js).
// PNG is the canvas itself; SVG draws the same chart once more onto svgcanvas's SVG context, so the file
// holds vector shapes and text, not a picture of pixels.
import { Element as SvgCanvas } from "../vendor/svgcanvas/svgcanvas.esm.js";

const COLOURS = ["#2457d6", "#1f7a4d", "#b5590e", "#8a3ab9"];
const ACCENT_LIGHT = "rgba(36, 87, 214, 0.25)", INK = "#1d2433", GRID = "#e3e7ef";
const data = JSON.parse(document.getElementById("analysis-charts")?.textContent || "null");
// Axis titles and legends in the page's language (templates/_chart_words.html).
const WORDS = JSON.parse(document.getElementById("chart-words").textContent);

Chart.defaults.font.size = 13;
Chart.defaults.color = INK;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

function axis(title, extra) {
  return Object.assign({ title: { display: Boolean(title), text: title }, grid: { color: GRID } }, extra || {});
}

// Counts of egocentric weights in the trainer report's bins, one series per condition.
function histogram(d) {
  return {
    type: "bar",
    data: {
      labels: d.labels,
      datasets: d.series.map((s, i) => ({ label: s.label, data: s.counts, backgroundColor: COLOURS[i % COLOURS.length] })),
    },
    options: {
      plugins: { legend: { position: "bottom" } },
      scales: { x: axis(WORDS.egocentric_weight, { ticks: { maxRotation: 50 } }), y: axis(WORDS.people, { beginAtZero: true, ticks: { precision: 0 } }) },
    },
  };
}

// Group means as points with their two-sided 95% confidence intervals as floating bars.
function meanCi(groups) {
  return {
    type: "bar",
    data: {
      labels: groups.map((g) => g.label + " (n = " + g.n + ")"),
      datasets: [
        { type: "line", label: WORDS.mean, data: groups.map((g) => g.mean), showLine: false, pointRadius: 7,
          backgroundColor: INK, borderColor: INK, order: 0 },
        { label: WORDS.ci95, data: groups.map((g) => (g.low === null || g.high === null ? null : [g.low, g.high])),
          backgroundColor: ACCENT_LIGHT, borderColor: COLOURS[0], borderWidth: 2, barPercentage: 0.3, order: 1 },
      ],
    },
    options: { plugins: { legend: { position: "bottom" } }, scales: { x: axis(""), y: axis(WORDS.egocentric_weight) } },
  };
}

function scatter(series) {
  return {
    type: "scatter",
    data: { datasets: series.map((s, i) => ({ label: s.label, data: s.points, backgroundColor: COLOURS[i % COLOURS.length], pointRadius: 4 })) },
    options: {
      plugins: { legend: { position: "bottom" } },
      scales: { x: axis(WORDS.empathy_axis), y: axis(WORDS.egocentric_weight) },
    },
  };
}

const BUILDERS = {
  distribution: () => histogram(data.distribution),
  conditions: () => meanCi(data.conditions),
  workshops: () => meanCi(data.workshops),
  rounds: () => meanCi(data.rounds),
  empathy: () => scatter(data.empathy),
};

function save(name, href) {
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

function downloadSvg(kind, canvas) {
  const width = canvas.clientWidth, height = canvas.clientHeight;
  // A canvas-like element whose 2D context writes SVG; Chart.js draws on it as on any canvas (no DOM events needed).
  // Its SVG nodes live in a detached document: the page's CSP would refuse their style attributes (fonts, colours).
  const target = new SvgCanvas({ width, height, document: document.implementation.createHTMLDocument("") });
  const config = BUILDERS[kind]();
  config.options = Object.assign({}, config.options, { responsive: false, devicePixelRatio: 1 });
  config.platform = Chart.BasicPlatform;
  const copy = new Chart(target, config);
  const svg = target.ctx.getSerializedSvg(true);
  copy.destroy();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  save("calibrate-" + kind + ".svg", url);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function downloadPng(kind, chart) {
  // A white background: a transparent PNG is unreadable on dark slides.
  const source = chart.canvas, copy = document.createElement("canvas");
  copy.width = source.width;
  copy.height = source.height;
  const context = copy.getContext("2d");
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, copy.width, copy.height);
  context.drawImage(source, 0, 0);
  save("calibrate-" + kind + ".png", copy.toDataURL("image/png"));
}

if (data) {
  document.querySelectorAll("figure[data-figure]").forEach((figure) => {
    const kind = figure.dataset.figure;
    const canvas = figure.querySelector("canvas");
    const chart = new Chart(canvas, BUILDERS[kind]());
    figure.querySelectorAll("button[data-download]").forEach((button) => {
      button.addEventListener("click", () => (button.dataset.download === "svg" ? downloadSvg(kind, canvas) : downloadPng(kind, chart)));
    });
  });
}
