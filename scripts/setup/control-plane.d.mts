export declare function controlPlaneBinary(): string;
export declare function setup(): Promise<void>;
