// Types of build-layout.mjs (plain JavaScript, so the bin can read it before any TypeScript runs).
export declare const ROOT: string;
export declare const BUILD_DIR: string;
export declare const BUILD_STAMP: string;
export declare const SOURCE_DIRS: readonly string[];
export declare const SOURCE_FILES: readonly string[];
export declare const LINKED_AT_TOP: readonly string[];
export declare function buildIsCurrent(root?: string): boolean;
