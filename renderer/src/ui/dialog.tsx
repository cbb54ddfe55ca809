import { useEffect, useId, useRef, useState } from 'react'
import { createPortal } from 'react-dom'
import { useModalLayer } from './modal-layer.js'

interface DialogProps {
  /** Text, or text with a `<UserText>` name in it. */
  title: React.ReactNode
  onClose: () => void
  children: React.ReactNode
  /** `alertdialog` for confirmations of something that cannot be undone. */
  role?: 'dialog' | 'alertdialog'
  testId?: string
}

/**
 * A modal dialog: Escape or a click outside closes it, the content behind is
 * inert, and focus returns to where it was when the dialog closes.
 */
export function Dialog ({ title, onClose, children, role = 'dialog', testId }: DialogProps): React.JSX.Element | null {
  const { container, register } = useModalLayer()
  const titleId = useId()
  const panel = useRef<HTMLDivElement>(null)
  // Read during the first render, before a field inside takes focus.
  const [opener] = useState(() => document.activeElement instanceof HTMLElement ? document.activeElement : null)

  useEffect(() => register(opener), [register, opener])
  useEffect(() => {
    // A field with autoFocus wins; otherwise the dialog itself takes focus so Escape works.
    if (panel.current != null && !panel.current.contains(document.activeElement)) panel.current.focus()
  }, [container])

  if (container == null) return null
  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.stopPropagation()
      onClose()
    }
  }
  const onBackdrop = (event: React.MouseEvent): void => {
    if (event.target === event.currentTarget) onClose()
  }
  return createPortal(
    <div className='dialog-backdrop' onMouseDown={onBackdrop}>
      <div ref={panel} className='dialog' role={role} aria-modal='true' aria-labelledby={titleId} tabIndex={-1} onKeyDown={onKeyDown} data-testid={testId}>
        <h2 id={titleId} className='dialog-title'>{title}</h2>
        {children}
      </div>
    </div>,
    container
  )
}
