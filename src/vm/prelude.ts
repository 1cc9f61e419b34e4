/**
 * The little JavaScript the VM itself runs inside QuickJS: the script that makes a fresh context
 * fit for contracts, and the function that describes a thrown value. Everything else (the
 * contract API, argument and result conversion) is done from the host side through the
 * quickjs-emscripten handle API, because compiling JavaScript is what a frame pays most for
 * here (~80-100 ns per byte of source): a 4.7 KB prelude in JavaScript cost ~0.4 ms per frame.
 */

/**
 * Globals a contract sees, besides the API. Built-ins that are never created (see INTRINSICS in
 * api.ts): `Date` (the clock), the typed arrays and `Atomics` (typed arrays would expose the
 * bit patterns of NaN, which WebAssembly leaves to the machine), `WeakRef` and
 * `FinalizationRegistry` (they would expose garbage collection). Removed by CLEANUP_SOURCE:
 * `eval` and `Function`. A test checks this list against a real context.
 */
export const CONTRACT_GLOBALS = [
  'AggregateError', 'Array', 'BigInt', 'Boolean', 'Error', 'EvalError', 'Infinity', 'InternalError',
  'Iterator', 'JSON', 'Map', 'Math', 'NaN', 'Number', 'Object', 'Promise', 'Proxy', 'RangeError',
  'ReferenceError', 'Reflect', 'RegExp', 'Set', 'String', 'Symbol', 'SyntaxError', 'TypeError',
  'URIError', 'WeakMap', 'WeakSet', 'decodeURI', 'decodeURIComponent', 'encodeURI',
  'encodeURIComponent', 'escape', 'globalThis', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
  'undefined', 'unescape',
] as const

/**
 * What `invoke` answers, followed by the export's type, when the method asked for is not a
 * function: a character no JSON text starts with (not NUL: strings leave QuickJS as C strings).
 */
export const NOT_A_METHOD = '!'

/** The names the contract API adds to the global object (read-only, not configurable). */
export const API_GLOBALS = ['state', 'msg', 'block', 'emit', 'call', 'revert'] as const

/**
 * Runs first in every frame. No code from strings: `eval` and the `Function` global go, and the
 * constructor reachable through the prototype of every kind of function (ordinary, generator,
 * async, async generator) refuses. `Math.random` goes: QuickJS seeds it from the clock.
 */
export const CLEANUP_SOURCE = `'use strict'
{
  const refuse = function () {
    throw new EvalError('contracts cannot compile code from strings')
  }
  for (const example of [function () {}, function* () {}, async function () {}, async function* () {}]) {
    Object.defineProperty(Object.getPrototypeOf(example), 'constructor', { value: refuse })
  }
  delete Math.random
  delete globalThis.eval
  delete globalThis.Function
}`

/**
 * `describe(thrown, ErrorType, toText)`: one line about a thrown value, never trusting it (a
 * getter may throw, a Proxy may trap, its own toString is the contract's code and is not
 * called). `ErrorType` and `toText` are the context's original `Error` and `String`, captured
 * before the contract ran. Where the error came from in the contract's source (QuickJS records
 * it in `stack`) is added as "(line L, column C)"; a syntax error that `export` or `import`
 * below the top level caused (nearly always a missing `}` above) says so.
 */
export const DESCRIBE_SOURCE = `(function describe(thrown, ErrorType, toText) {
  'use strict'
  try {
    if (thrown instanceof ErrorType) {
      const name = typeof thrown.name === 'string' ? thrown.name : 'Error'
      const message = typeof thrown.message === 'string' ? thrown.message : ''
      let text = message === '' ? name : name + ': ' + message
      const stack = typeof thrown.stack === 'string' ? thrown.stack : ''
      const at = /contract\\.js:(\\d+):(\\d+)/.exec(stack)
      if (at !== null) text += ' (line ' + at[1] + ', column ' + at[2] + ')'
      if (name === 'SyntaxError' && /^unsupported keyword: (export|import)$/.test(message)) {
        text += ': export and import are allowed only at the top level of a contract; is a } missing above?'
      }
      return text
    }
    if (thrown === null) return 'uncaught null'
    if (typeof thrown === 'object' || typeof thrown === 'function') return 'uncaught ' + typeof thrown
    return 'uncaught ' + typeof thrown + ': ' + toText(thrown)
  } catch {
    return 'uncaught exception'
  }
})`

/**
 * Returns `invoke(namespace, request)`, how the host calls a contract's method, after defining
 * the `msg` and `block` globals. Given the context's original `JSON.parse`, `JSON.stringify`,
 * `Array.isArray`, `Promise`, `Object.freeze`, `Object.defineProperty` and global object, before
 * the contract runs.
 *
 * `msg` and `block` describe the frame being run, which changes with every call while the
 * contract's snapshot does not: they are frozen objects whose getters read the frame `invoke`
 * was given, and refuse while the module itself loads (no frame yet).
 *
 * `request` is one string: the method's name, the frame (JSON) and the arguments (a JSON array),
 * separated by newlines (one crossing into QuickJS, one string made: each costs the host time). `invoke` finds the method
 * (answering NOT_A_METHOD and its type when the export is not a function, for the host to word
 * the refusal), parses the arguments, calls the method as a plain function, refuses a promise,
 * and returns the JSON text of the result ('null' for undefined).
 *
 * The host never calls a contract-supplied function directly: with quickjs-emscripten 0.32, a
 * native function entered straight from the host whose callee runs out of memory traps
 * WebAssembly; entered through this JavaScript frame, the same code fails cleanly with "out of
 * memory" (test/vm/hostile.test.ts).
 */
export const SETUP_SOURCE = `(function (parse, stringify, isArray, PromiseType, freeze, defineProperty, global) {
  'use strict'
  let frame = null
  const current = (what) => {
    if (frame === null) throw new TypeError(what + ' is only available while a method runs, not while the module loads')
    return frame
  }
  const msg = freeze({
    get sender() { return current('msg').sender },
    get contract() { return current('msg').contract },
  })
  const block = freeze({
    get height() { return current('block').height },
    get timestamp() { return current('block').timestamp },
    get hash() { return current('block').hash },
  })
  defineProperty(global, 'msg', { value: msg, writable: false, enumerable: false, configurable: false })
  defineProperty(global, 'block', { value: block, writable: false, enumerable: false, configurable: false })
  return function invoke(namespace, request) {
    const methodEnd = request.indexOf('\\n')
    const frameEnd = request.indexOf('\\n', methodEnd + 1)
    const fn = namespace[request.slice(0, methodEnd)]
    if (typeof fn !== 'function') return '${NOT_A_METHOD}' + typeof fn
    frame = parse(request.slice(methodEnd + 1, frameEnd))
    const args = parse(request.slice(frameEnd + 1))
    if (!isArray(args)) throw new TypeError('arguments must be a JSON array')
    // Called as a plain function: its \`this\` is undefined, not the module's namespace.
    const value = fn(...args)
    if (value instanceof PromiseType) {
      throw new TypeError('a method must return a value, not a promise (promise callbacks never run)')
    }
    const text = stringify(value)
    return text === undefined ? 'null' : text
  }
})`
