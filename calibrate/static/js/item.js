// Progressive enhancement for the item page: a slider beside each number field marked data-slider,
// and a Save button that cannot be pressed twice while its answer is on the way.
// The form works without JavaScript; nothing here is needed to save an answer. Words and the decimal sign
// come from the page (data-slider-label, data-decimal on the form), so they are in the page's language.
// No anchor: while a field is empty its slider shows no thumb and no value, so nobody is nudged
// toward the middle of the scale; the thumb appears where the person first touches or types.
(function () {
  const parse = (text) => parseFloat(String(text).replace(",", "."));
  const form = document.getElementById("item-form");
  const decimal = (form && form.dataset.decimal) || ".";
  const sliderWord = (form && form.dataset.sliderLabel) || "slider";

  document.querySelectorAll("input[data-slider]").forEach((input) => {
    const min = parseFloat(input.dataset.min), max = parseFloat(input.dataset.max);
    if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return;
    const step = parseFloat(input.dataset.step) || ((max - min) > 20 ? 1 : 0.05);
    const slider = document.createElement("input");
    slider.type = "range";
    slider.min = min;
    slider.max = max;
    slider.step = step;
    slider.id = input.id + "-slider";
    slider.setAttribute("aria-label", (input.labels[0] ? input.labels[0].textContent : input.id) + " (" + sliderWord + ")");
    slider.tabIndex = -1;  // the text field is the keyboard path; the slider is for touch and mouse
    // Beside the field in its row, so a phone shows field and slider on one line.
    const row = input.closest(".value-row");
    if (row) row.appendChild(slider);
    else input.insertAdjacentElement("afterend", slider);

    const showValue = (value) => {
      slider.value = value;
      slider.classList.remove("untouched");
    };
    // Untouched, the slider rests at its minimum with the thumb hidden, so not even the coloured part of
    // the track points at a value.
    const clear = () => {
      slider.value = min;
      slider.classList.add("untouched");
    };
    const initial = parse(input.value);
    if (Number.isFinite(initial)) showValue(initial);
    else clear();

    const takeSlider = () => {
      slider.classList.remove("untouched");
      const value = parseFloat(slider.value);
      input.value = Number.isInteger(value) ? String(value) : value.toFixed(2).replace(".", decimal);
    };
    slider.addEventListener("input", takeSlider);
    // A tap exactly on the hidden thumb's spot changes no value, so no input event: take it on release.
    slider.addEventListener("pointerup", takeSlider);
    input.addEventListener("input", () => {
      const value = parse(input.value);
      if (Number.isFinite(value)) showValue(value);
      else clear();
    });
  });

  // Enter in any field saves (the browser submits the form); while the save is in flight the button is
  // disabled, so a double tap cannot send the answer twice. Coming back with the Back button re-enables it.
  if (form) {
    const button = form.querySelector("button[type=submit]");
    const label = button.textContent;
    form.addEventListener("submit", () => {
      // After this event's default action has started the submission, so the disabled button does not cancel it.
      setTimeout(() => {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        button.textContent = button.dataset.savingLabel || label;
      }, 0);
    });
    window.addEventListener("pageshow", () => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    });
  }
})();
