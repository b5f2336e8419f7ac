// @ts-check
// Shared by the report writer (it writes these as the page's CSS colour variables) and the page
// script (its chart series): plain JavaScript so the page can carry it inlined.

/**
 * One colour per system, used by the table and every chart (Okabe–Ito, safe for colour-blind
 * readers and distinct in greyscale print).
 */
export const SYSTEM_COLORS = /** @type {const} */ ({ market: "#0072B2", centralized: "#D55E00", multiCloud: "#009E73" });
