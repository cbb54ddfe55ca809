import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react'

interface ModalLayer {
  /** Where dialogs are portalled to: outside the content they cover. */
  container: HTMLElement | null
  /**
   * Marks a dialog open; returns the function that marks it closed. Focus
   * goes back to `returnFocusTo` once the content is interactive again.
   */
  register: (returnFocusTo: HTMLElement | null) => () => void
}

const ModalLayerContext = createContext<ModalLayer | null>(null)

/**
 * Holds the app's content and a layer for dialogs above it. While a dialog is
 * open the content is `inert` (no focus, no clicks) and hidden from assistive
 * technology, which is what `aria-modal` promises but not every browser does.
 */
export function ModalLayerProvider ({ children }: { children: React.ReactNode }): React.JSX.Element {
  const [container, setContainer] = useState<HTMLElement | null>(null)
  const [openCount, setOpenCount] = useState(0)
  const returnFocus = useRef<HTMLElement | null>(null)

  const register = useCallback((returnFocusTo: HTMLElement | null) => {
    setOpenCount(n => n + 1)
    return () => {
      returnFocus.current = returnFocusTo
      setOpenCount(n => n - 1)
    }
  }, [])

  // Inert content cannot take focus, so focus returns only after it is live again.
  useEffect(() => {
    const target = returnFocus.current
    if (openCount > 0 || target == null) return
    returnFocus.current = null
    if (target.isConnected) target.focus()
  }, [openCount])

  const layer = useMemo(() => ({ container, register }), [container, register])
  const covered = openCount > 0
  return (
    <ModalLayerContext.Provider value={layer}>
      <div className='app-content' inert={covered} aria-hidden={covered ? 'true' : undefined}>
        {children}
      </div>
      <div className='modal-root' ref={setContainer} />
    </ModalLayerContext.Provider>
  )
}

export function useModalLayer (): ModalLayer {
  const layer = useContext(ModalLayerContext)
  if (layer == null) throw new Error('dialogs need a <ModalLayerProvider> above them')
  return layer
}
