// The "briefly unavailable" page (503) tries again by itself once its Retry-After time has passed:
// a kept form (a participant's answer that could not be saved) is posted again unchanged, any
// other page is reloaded. A little random spread keeps a whole room from retrying in the same second.
// The page works without JavaScript: the "Send again now" button does the same.
(function () {
  const page = document.querySelector("[data-retry-after]");
  if (!page) return;
  const seconds = parseInt(page.dataset.retryAfter, 10);
  if (!Number.isFinite(seconds) || seconds <= 0) return;
  const form = page.querySelector("form[data-resubmit]");
  const countdowns = page.querySelectorAll("[data-retry-countdown]");
  const deadline = Date.now() + 1000 * seconds * (0.9 + 0.3 * Math.random());

  const tick = () => {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdowns.forEach((element) => { element.textContent = String(left); });
    if (left > 0) {
      window.setTimeout(tick, 500);
    } else if (form) {
      form.submit();
    } else {
      window.location.reload();
    }
  };
  tick();
})();
