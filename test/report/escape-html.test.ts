// The one HTML escaper, shared by the report writer (Node) and the report page's tooltips
// (inlined into its script): every character that could open markup or end an attribute value.
import { describe, expect, it } from "vitest";
import { escapeHtml } from "../../sim/report/page/escape-html.js";

describe("escapeHtml", () => {
  it("escapes & < > \" and ' (the & first, so an entity in the text stays text)", () => {
    expect(escapeHtml("&")).toBe("&amp;");
    expect(escapeHtml("<")).toBe("&lt;");
    expect(escapeHtml(">")).toBe("&gt;");
    expect(escapeHtml('"')).toBe("&quot;");
    expect(escapeHtml("'")).toBe("&#39;");
    expect(escapeHtml("&lt;")).toBe("&amp;lt;");
    expect(escapeHtml("plain text, 42 – ünïcode")).toBe("plain text, 42 – ünïcode");
  });

  it("turns a payload into inert text, in element content and in a quoted attribute", () => {
    const payload = `"><img src=x onerror='alert(1)'></script><script>alert(2)</script>&amp;`;
    const escaped = escapeHtml(payload);
    expect(escaped).toBe(
      "&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;&amp;amp;",
    );
    expect(escaped).not.toMatch(/[<>"']/);
  });

  it("writes a URL's :// as :&#47;&#47; so the page links to nothing, and takes numbers", () => {
    expect(escapeHtml("see https://example.org/x")).toBe("see https:&#47;&#47;example.org/x");
    expect(escapeHtml(7)).toBe("7");
  });
});
