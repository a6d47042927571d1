export declare const ENVOY_VERSION: string;
export declare function envoyTarget(version?: string): string;
export declare function envoyBinary(version?: string): string;
export declare function setup(version?: string): Promise<void>;
