export declare function promtoolBinary(): string;
export declare function prometheusBinary(): string;
export declare function setup(): Promise<void>;
