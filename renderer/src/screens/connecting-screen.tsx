export function ConnectingScreen (): React.JSX.Element {
  return (
    <main className='center-screen' data-testid='connecting-screen'>
      <p className='brand'>Parley</p>
      <p role='status'>Connecting to the Parley engine…</p>
    </main>
  )
}
