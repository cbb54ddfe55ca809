// First: it configures zod before any schema is built.
import './zod-config.js'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import './styles.css'

const container = document.getElementById('root')
if (container == null) throw new Error('index.html must contain <div id="root">')
createRoot(container).render(<StrictMode><App /></StrictMode>)
