// @ts-check
// The project's one HTML escaper. The report writer escapes every string it puts in the page
// with it, and the page script (which inlines this file) escapes the data it puts in its chart
// tooltips with it: plain JavaScript so both can run the same code.

/**
 * Escapes text for HTML element content and attribute values: & < > " and '. A "://" is
 * written as ":&#47;&#47;" so a URL in the data (a scenario's source) shows as text but never
 * appears literally in the page: the page links to nothing outside itself.
 *
 * @example
 * escapeHtml(`1 < 2 & "a" 'b'`) // "1 &lt; 2 &amp; &quot;a&quot; &#39;b&#39;"
 * @param {string | number} text
 * @returns {string}
 */
export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/:\/\//g, ":&#47;&#47;");
}
