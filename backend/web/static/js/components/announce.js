/** Status messages for screen readers (the page's polite live region). */

let timer = null;

export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clear first so the same message twice is announced twice.
  region.textContent = '';
  clearTimeout(timer);
  timer = setTimeout(() => {
    region.textContent = message;
  }, 50);
}
