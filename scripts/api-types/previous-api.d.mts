import type protobuf from 'protobufjs';
export declare function previousEnvoyApi(): protobuf.Root;
export declare function previousFields(typeName: string): Set<string> | undefined;
