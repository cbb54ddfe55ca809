/** A failed call, said in plain words next to the control that made it. */
export function ErrorNote ({ message, id }: { message: string | null, id?: string }): React.JSX.Element | null {
  if (message == null) return null
  return <p className='error-note' role='alert' id={id}>{message}</p>
}
