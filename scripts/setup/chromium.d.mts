export declare function chromiumBinary(): string;
export declare function setup(): Promise<void>;
