import type { Linter } from 'eslint';

export declare const layerImports: Record<string, string[] | null>;
export declare const layerRules: Linter.Config[];
export declare const exampleRules: Linter.Config;
