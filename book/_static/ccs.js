// Accessibility fixes to the theme's controls (found by axe-core; see tests/browser/audit.mjs).
// The sphinx-book-theme buttons and toggles give accessible names that differ from their visible
// text, and the sidebar's section toggles have none.
document.addEventListener("DOMContentLoaded", () => {
  // A control's accessible name must contain its visible text (WCAG 2.5.3, label in name).
  document.querySelectorAll("button[aria-label], summary[aria-label]").forEach((el) => {
    const visible = el.innerText.replace(/\s+/g, " ").trim();
    if (visible && !el.getAttribute("aria-label").includes(visible)) {
      el.removeAttribute("aria-label");
    }
  });
  // Sidebar toggles: a summary holding only an icon gets the name of its section.
  document.querySelectorAll("nav summary").forEach((s) => {
    if (!s.innerText.trim() && !s.getAttribute("aria-label")) {
      const link = s.closest("li") && s.closest("li").querySelector("a");
      s.setAttribute("aria-label", "Show or hide the pages of " + (link ? link.innerText.trim() : "this section"));
    }
  });
  // The theme-switch button's icons carry titles ("Light", "Dark") that do not match its name
  // ("Color mode"): the icons are decoration, the button's name says what it does.
  document.querySelectorAll(".theme-switch-button i").forEach((i) => {
    i.removeAttribute("title");
    i.setAttribute("aria-hidden", "true");
  });
  // Content outside landmarks: the sidebar's top item (the book's title and logo).
  document.querySelectorAll(".sidebar-primary-items__start > .sidebar-primary-item").forEach((el, i) => {
    if (!el.closest("nav, [role=navigation], [role=region]")) {
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", i === 0 ? "Book title and search" : `Sidebar item ${i + 1}`);
    }
  });
});
