// A fungible token: the whole supply goes to the deployer, holders transfer it, and a holder can
// allow another account (a participant or a contract) to spend up to an amount on its behalf.
// Amounts are integers below 2^53 (JSON numbers; see docs/contracts.md on BigInt).
//
// State keys: 'meta' -> { name, symbol, supply }, 'balance:<id>' -> amount,
// 'allowance:<owner>:<spender>' -> amount. Missing keys mean zero.

function amountOf(value) {
  if (!Number.isSafeInteger(value) || value < 0) revert(`amount must be a non-negative safe integer, got ${JSON.stringify(value)}`)
  return value
}

function account(value, what) {
  if (typeof value !== 'string' || value.length === 0) revert(`${what} must be an account id`)
  return value
}

function balance(owner) {
  return state.get(`balance:${owner}`) ?? 0
}

function setBalance(owner, amount) {
  if (amount === 0) state.delete(`balance:${owner}`)
  else state.set(`balance:${owner}`, amount)
}

function move(from, to, amount) {
  const available = balance(from)
  if (available < amount) revert(`insufficient balance: ${from} has ${available}, needs ${amount}`)
  setBalance(from, available - amount)
  setBalance(to, balance(to) + amount)
  emit('Transfer', { from, to, amount })
}

export function init(name, symbol, supply) {
  if (typeof name !== 'string' || typeof symbol !== 'string') revert('name and symbol must be strings')
  amountOf(supply)
  state.set('meta', { name, symbol, supply })
  setBalance(msg.sender, supply)
  emit('Transfer', { from: null, to: msg.sender, amount: supply })
}

export function name() { return state.get('meta').name }
export function symbol() { return state.get('meta').symbol }
export function totalSupply() { return state.get('meta').supply }

export function balanceOf(owner) {
  return balance(account(owner, 'owner'))
}

export function transfer(to, amount) {
  move(msg.sender, account(to, 'recipient'), amountOf(amount))
  return true
}

export function approve(spender, amount) {
  account(spender, 'spender')
  amountOf(amount)
  const key = `allowance:${msg.sender}:${spender}`
  if (amount === 0) state.delete(key)
  else state.set(key, amount)
  emit('Approval', { owner: msg.sender, spender, amount })
  return true
}

export function allowance(owner, spender) {
  return state.get(`allowance:${account(owner, 'owner')}:${account(spender, 'spender')}`) ?? 0
}

export function transferFrom(from, to, amount) {
  account(from, 'owner')
  account(to, 'recipient')
  amountOf(amount)
  const key = `allowance:${from}:${msg.sender}`
  const allowed = state.get(key) ?? 0
  if (allowed < amount) revert(`allowance exceeded: ${msg.sender} may spend ${allowed} of ${from}, needs ${amount}`)
  if (allowed === amount) state.delete(key)
  else state.set(key, allowed - amount)
  move(from, to, amount)
  return true
}
