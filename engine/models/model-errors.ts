// The errors of engine/models. Each message names what is wrong (the file, the JSON path or the
// ONNX input, the value) and the rule, so the CLI prints it as one line.

/** A model directory, model.json or ONNX graph that breaks the model contract. */
export class ModelContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelContractError';
  }
}

/** The registry refused an operation (unknown hash, bad promotion, corrupt stored bytes). */
export class ModelRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelRegistryError';
  }
}

/** How a value is shown in a message: JSON, cut to 80 characters. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
