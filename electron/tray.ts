import { app, Menu, nativeImage, Tray } from 'electron'
import { TRAY_ICON_SIZE, drawTrayIcon, trayTooltip } from './tray-icon.js'
import type { NativeImage } from 'electron'

export interface UnreadIndicator {
  setUnread: (unread: number) => void
  destroy: () => void
}

function icon (badge: boolean): NativeImage {
  return nativeImage.createFromBitmap(drawTrayIcon(badge), { width: TRAY_ICON_SIZE, height: TRAY_ICON_SIZE })
}

/**
 * The tray icon and the launcher badge, showing how many messages are
 * unread. Only the count reaches main, never who sent what.
 */
export function createUnreadIndicator (actions: { show: () => void, quit: () => void }): UnreadIndicator {
  const tray = new Tray(icon(false))
  tray.setToolTip(trayTooltip(0))
  tray.setContextMenu(Menu.buildFromTemplate([
    { label: 'Show Parley', click: actions.show },
    { type: 'separator' },
    { label: 'Quit', click: actions.quit }
  ]))
  tray.on('click', actions.show)
  let shown = 0
  return {
    setUnread: unread => {
      if (unread === shown) return
      if ((unread > 0) !== (shown > 0)) tray.setImage(icon(unread > 0))
      shown = unread
      tray.setToolTip(trayTooltip(unread))
      // The title sits next to the icon on macOS only; Linux launchers (Unity API) and the dock show the badge.
      if (process.platform === 'darwin') tray.setTitle(unread > 0 ? String(unread) : '')
      app.setBadgeCount(unread)
    },
    destroy: () => { tray.destroy() }
  }
}
