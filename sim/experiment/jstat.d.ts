// jstat ships no types (and types/ is generated, so it cannot live there): this declares only the
// two inverse CDFs sim/experiment/statistics.ts uses. The file has no top-level import or export,
// so the declaration is ambient and applies wherever the tsconfig includes sim/**.
declare module "jstat" {
  interface JStat {
    /** Student's t distribution. */
    studentt: { inv(p: number, dof: number): number };
    /** The normal distribution. */
    normal: { inv(p: number, mean: number, sd: number): number };
  }
  const jStat: JStat;
  export default jStat;
}
