/**
 * Stand-in for linkify-it inside mailparser (see ../defer-modules.ts). mailparser builds one
 * linkifier when it loads (`linkifyIt().tlds(...).add(...).set(...)`); this records those
 * set-up calls and replays them on a real linkifier the first time anything else is asked of
 * it (`pretest`, `match`, ...), so the ~50 ms of compiling its patterns for every top-level
 * domain happens only for a message whose links are wanted.
 */
import { loadDeferred, parentOf } from '../defer-modules.js';

/** linkify-it's set-up methods: each changes the linkifier and returns it. */
const SET_UP = new Set<PropertyKey>(['tlds', 'add', 'set']);

type Linkifier = Record<PropertyKey, unknown>;
type LinkifyIt = (...args: unknown[]) => Linkifier;

let real: LinkifyIt | undefined;

export default function linkifyIt(...args: unknown[]): Linkifier {
  const recorded: Array<[PropertyKey, unknown[]]> = [];
  let instance: Linkifier | undefined;
  const materialise = (): Linkifier => {
    if (instance === undefined) {
      real ??= loadDeferred('linkify-it', parentOf(import.meta.url)) as LinkifyIt;
      const made = real(...args);
      for (const [method, methodArgs] of recorded) (made[method] as (...a: unknown[]) => unknown).apply(made, methodArgs);
      recorded.length = 0;
      instance = made;
    }
    return instance;
  };
  const proxy: Linkifier = new Proxy({} as Linkifier, {
    get(_target, property) {
      if (instance === undefined && SET_UP.has(property)) {
        return (...methodArgs: unknown[]) => {
          recorded.push([property, methodArgs]);
          return proxy;
        };
      }
      const target = materialise();
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_target, property, value) {
      return Reflect.set(materialise(), property, value);
    },
    has(_target, property) {
      return Reflect.has(materialise(), property);
    },
  });
  return proxy;
}
