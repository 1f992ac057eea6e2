/** Injection tokens of the API's providers. */
export const CONFIG = Symbol('CONFIG');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const POLICY = Symbol('POLICY');
