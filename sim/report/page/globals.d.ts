// The page's globals: echarts is the library the report inlines in the <script> before the page
// script, so the page type-checks against echarts' own types.
declare const echarts: typeof import("echarts");
