/**
 * `Promise.withResolvers` (ES2024) for Node 20: PostGraphile 5 (grafast) calls it, and Node has it
 * only from 22. Preloaded into the PostGraphile process only (`node --require …/polyfill.js`).
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const withPolyfill = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
withPolyfill.withResolvers ??= <T>(): Resolvers<T> => {
  let resolve!: Resolvers<T>["resolve"];
  let reject!: Resolvers<T>["reject"];
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
};
