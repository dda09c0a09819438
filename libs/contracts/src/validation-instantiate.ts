/**
 * `plainToInstance` for message bodies without walking their untyped parts. class-transformer
 * turns a property without `@Type` into a plain deep copy of its value, visiting every key of it
 * with several metadata look-ups on the way; for a run's plan, a step's context, a JSON Schema or
 * a model's structured output that was most of the cost of reading a message. Here such a
 * property keeps the parsed value itself (the parse already made it a fresh object no one else
 * holds), and class-transformer builds everything that has a class: the body and its `@Type`
 * properties, as before. `@Transform`, `@Expose` and `@Exclude` are not used by the contracts;
 * a class that uses them is handed to class-transformer whole.
 */
import { plainToInstance } from 'class-transformer';
// The storage behind `@Type` and friends has no public accessor; this is the path of the same
// singleton the decorators write to (class-transformer 0.5).
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';

interface TransformerStorage {
  findTypeMetadata(target: object, propertyName: string): unknown;
  getExposedMetadatas(target: object): unknown[];
  getExcludedMetadatas(target: object): unknown[];
  findTransformMetadatas(target: object, propertyName: string, transformationType: number): unknown[];
}

const storage = defaultMetadataStorage as unknown as TransformerStorage;

/** Per class: whether it is plain enough to split, and which properties have a `@Type`. */
const shapes = new WeakMap<object, { plain: boolean; typed: Map<string, boolean> }>();

function shapeOf(bodyClass: object): { plain: boolean; typed: Map<string, boolean> } {
  let shape = shapes.get(bodyClass);
  if (!shape) {
    const plain =
      storage.getExposedMetadatas(bodyClass).length === 0 &&
      storage.getExcludedMetadatas(bodyClass).length === 0;
    shape = { plain, typed: new Map() };
    shapes.set(bodyClass, shape);
  }
  return shape;
}

function hasType(bodyClass: object, shape: { typed: Map<string, boolean> }, key: string): boolean {
  let typed = shape.typed.get(key);
  if (typed === undefined) {
    // Any transform on the property (to class = 1, to plain = 0, class to class = 2) keeps it with class-transformer.
    typed =
      storage.findTypeMetadata(bodyClass, key) !== undefined ||
      [0, 1, 2].some((t) => storage.findTransformMetadatas(bodyClass, key, t).length > 0);
    shape.typed.set(key, typed);
  }
  return typed;
}

/** The body as an instance of its class, as `plainToInstance` makes it, for a parsed JSON object. */
export function instantiateBody<T extends object>(bodyClass: new () => T, plain: Record<string, unknown>): T {
  const shape = shapeOf(bodyClass);
  if (!shape.plain) return plainToInstance(bodyClass, plain);
  const keys = Object.keys(plain);
  const kept: string[] = [];
  const rest: Record<string, unknown> = {};
  for (const key of keys) {
    const value = plain[key];
    if (value !== null && typeof value === 'object' && !hasType(bodyClass, shape, key)) {
      // Set to undefined here so the instance has its keys in the body's order.
      rest[key] = undefined;
      kept.push(key);
    } else {
      rest[key] = value;
    }
  }
  const instance = plainToInstance(bodyClass, rest);
  const fields = instance as Record<string, unknown>;
  for (const key of kept) fields[key] = plain[key];
  return instance;
}
