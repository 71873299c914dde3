/** Types of build-stamp.js (plain JavaScript so that bin/banter.js loads no .ts). */
export declare function buildInputs(root: string): string[];
export declare function sourceDigest(root: string): string;
export declare const STAMP: string;
export declare function builtDigest(root: string): string | undefined;
export declare function buildIsFresh(root: string): boolean;
