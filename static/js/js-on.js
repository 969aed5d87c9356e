// Loaded before the page draws: says that scripts run, so the narrow-screen menu can start closed
// without the page jumping when site.js arrives. Without it, the menu is a plain list.
document.documentElement.classList.add("site-js");
