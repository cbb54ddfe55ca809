import { z } from 'zod'

/*
 * The API client validates with zod, which by default probes `new Function`
 * to compile fast parsers. The page's CSP forbids eval, so the probe would
 * only log a violation. zod reads this flag when a schema is built, so this
 * module must run before core/api's contract: main.tsx imports it first.
 */
z.config({ jitless: true })
