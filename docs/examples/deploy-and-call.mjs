// Deploys the counter contract and calls it, with the client library (docs/client.md).
//
//   node docs/examples/deploy-and-call.mjs DATADIR PASSWORD_FILE
//
// DATADIR is the data dir of a running node (`chain node --dev`); its identity signs.
import { readFile } from 'node:fs/promises'
import { ChainClient, unlockIdentity } from 'chain/client'

const [datadir, passwordFile] = process.argv.slice(2)
const client = await ChainClient.connect(datadir)
const password = (await readFile(passwordFile, 'utf8')).split('\n')[0]
const account = await unlockIdentity(datadir, password)
const code = await readFile(new URL('./counter.js', import.meta.url), 'utf8')

try {
  const deployed = await client.send(account, { kind: 'contract-deploy', code, args: [10] }, { wait: true })
  const contract = deployed.included.receipt.contract
  console.log('deployed', contract, 'in block', deployed.included.block.height)

  // Watch the counter's events, then call it in a transaction.
  const events = await client.subscribe('events', { contract })
  const called = await client.send(account, { kind: 'contract-call', contract, method: 'increment', args: [5] }, { wait: true })
  console.log('increment returned', called.included.receipt.result)
  for await (const event of events) {
    console.log('event', event.name, JSON.stringify(event.data), 'at height', event.height)
    break
  }

  // A read-only call: no transaction, nothing changes.
  const { result } = await client.callContract(contract, 'get')
  console.log('get returns', result)
} finally {
  account.secretKey.fill(0)
  await client.close()
}
