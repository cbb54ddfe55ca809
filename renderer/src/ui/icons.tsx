/** Small line icons drawn inline (no icon font, nothing fetched). Always decorative: the button names them. */
function Icon ({ children }: { children: React.ReactNode }): React.JSX.Element {
  return (
    <svg className='icon' viewBox='0 0 24 24' aria-hidden='true' focusable='false'>
      {children}
    </svg>
  )
}

export function AddContactIcon (): React.JSX.Element {
  return <Icon><circle cx='9' cy='8' r='4' /><path d='M2 21c0-4 3-7 7-7s7 3 7 7' /><path d='M19 8v6M16 11h6' /></Icon>
}

export function NetworkIcon (): React.JSX.Element {
  return <Icon><circle cx='12' cy='5' r='2.5' /><circle cx='5' cy='18' r='2.5' /><circle cx='19' cy='18' r='2.5' /><path d='M10.8 7.2 6.2 15.8M13.2 7.2l4.6 8.6M7.5 18h9' /></Icon>
}

export function SettingsIcon (): React.JSX.Element {
  return <Icon><path d='M4 6h10M18 6h2M4 12h3M11 12h9M4 18h12M20 18h0' /><circle cx='16' cy='6' r='2' /><circle cx='9' cy='12' r='2' /><circle cx='18' cy='18' r='2' /></Icon>
}

export function InviteIcon (): React.JSX.Element {
  return <Icon><rect x='3' y='3' width='7' height='7' rx='1' /><rect x='14' y='3' width='7' height='7' rx='1' /><rect x='3' y='14' width='7' height='7' rx='1' /><path d='M14 14h3v3h-3zM20 14v1M14 20h1M18 18h3v3h-3' /></Icon>
}

export function SendIcon (): React.JSX.Element {
  return <Icon><path d='M4 12 20 4l-5 16-3-7-8-1Z' /><path d='m12 13 8-9' /></Icon>
}

export function BackIcon (): React.JSX.Element {
  return <Icon><path d='M15 5l-7 7 7 7' /></Icon>
}

export function ShieldIcon (): React.JSX.Element {
  return <Icon><path d='M12 3 5 6v6c0 4.5 3 7.5 7 9 4-1.5 7-4.5 7-9V6l-7-3Z' /><path d='m9 12 2 2 4-4' /></Icon>
}

export function WarningIcon (): React.JSX.Element {
  return <Icon><path d='M12 3 2 20h20L12 3Z' /><path d='M12 10v4M12 17v.5' /></Icon>
}
