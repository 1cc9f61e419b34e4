// A counter: the smallest useful contract (see docs/contracts.md).
export function init(start) { state.set('count', start ?? 0) }
export function increment(by) {
  const count = state.get('count') + (by ?? 1)
  state.set('count', count)
  emit('Incremented', { by: by ?? 1, count })
  return count
}
export function get() { return state.get('count') }
