// Escaping for everything the report writes: run strings (concept, file, layer names) must stay
// text in HTML, in SVG, and inside the <script> that carries the data.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML/SVG element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON that is safe inside a classic <script>: `<`, `>` and `&` become \u escapes (no `</script>`,
 * no `<!--`), and U+2028/U+2029 are escaped too (JSON allows them raw, older JS parsers do not).
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
