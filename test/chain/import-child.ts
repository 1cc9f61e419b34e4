/**
 * A child process for the crash test: opens a chain database and imports the blocks of a file
 * (CBOR list of encoded blocks) that it does not have yet, printing each height it reaches.
 * The test kills it with SIGKILL at random moments.
 */
import { readFile } from 'node:fs/promises'
import { Chain } from '../../src/chain/chain.js'
import { createConsensus } from '../../src/consensus/create.js'
import { decode } from '../../src/encoding/cbor.js'
import { decodeBlock } from '../../src/ledger/block.js'
import { ContractVm } from '../../src/vm/vm.js'
import { testGenesis } from '../helpers/chain.js'

const [dbPath, blocksFile] = process.argv.slice(2)
const genesis = testGenesis()
const chain = await Chain.open({ path: dbPath!, genesis, consensus: createConsensus(genesis), vm: new ContractVm(), create: true })
const encoded = decode(await readFile(blocksFile!), 'blocks', 1 << 30) as Uint8Array[]
for (const bytes of encoded.slice(chain.head.header.height)) {
  await chain.importBlock(decodeBlock(bytes))
  process.stdout.write(`${chain.head.header.height}\n`)
}
await chain.close()
process.stdout.write('done\n')
