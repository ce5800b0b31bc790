import type { UserWorkspaceConfig } from "vitest/config";
export declare const sourceConditions: string[];
export declare const runSlow: boolean;
export declare function atlasProject(dir: string, overrides?: UserWorkspaceConfig["test"]): UserWorkspaceConfig;
