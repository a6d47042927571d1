/** `declared` and `live` are JSON text; absent on the side that has no value. */
export interface FieldChange {
  readonly path: string;
  readonly declared?: string;
  readonly live?: string;
}
