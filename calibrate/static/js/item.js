// Progressive enhancement for the item page: a slider mirrors the typed prediction.
// The form works without JavaScript; nothing here is needed to save an answer.
(function () {
  const input = document.getElementById("prediction");
  const slider = document.getElementById("prediction-slider");
  if (!input || !slider) return;
  slider.hidden = false;
  const parse = (text) => parseFloat(String(text).replace(",", "."));
  const min = parseFloat(input.dataset.min), max = parseFloat(input.dataset.max);
  const initial = parse(input.value);
  slider.value = Number.isFinite(initial) ? initial : (min + max) / 2;
  slider.step = (max - min) > 20 ? 1 : 0.05;
  slider.addEventListener("input", () => {
    const value = parseFloat(slider.value);
    input.value = Number.isInteger(value) ? String(value) : value.toFixed(2);
  });
  input.addEventListener("input", () => {
    const value = parse(input.value);
    if (Number.isFinite(value)) slider.value = value;
  });
})();
