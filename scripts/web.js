// `npm run web -- --data DIR [daemon flags]`: builds the engine and the UI,
// then runs `parley daemon --ui` with the remaining flags. Open the printed
// "ui http://127.0.0.1:<port>/#token=…" address in a browser.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/** Runs a command with the terminal attached; resolves with its exit code. */
function run (command, args) {
  return new Promise(resolve => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' })
    // Ctrl-C already reaches the child (same process group), and a second
    // SIGINT makes the daemon skip its clean stop: wait for it instead of
    // dying first. SIGTERM is aimed at us alone, so pass it on.
    const ignore = () => {}
    const forward = signal => { child.kill(signal) }
    process.on('SIGINT', ignore)
    process.on('SIGTERM', forward)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore)
      process.off('SIGTERM', forward)
      resolve(code ?? (signal != null ? 1 : 0))
    })
    child.on('error', err => {
      console.error(`web: cannot run ${command}: ${err.message}`)
      resolve(1)
    })
  })
}

for (const script of ['build', 'build:ui']) {
  const code = await run(npm, ['run', '--silent', script])
  if (code !== 0) {
    console.error(`web: npm run ${script} failed (exit ${code})`)
    process.exit(code)
  }
}
process.exit(await run(join(root, 'bin', 'parley'), ['daemon', '--ui', ...process.argv.slice(2)]))
