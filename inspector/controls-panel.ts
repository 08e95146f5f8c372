/** The application's side of the page connection: reconnect(), close(), send(), offline. */
import { $ } from './dom.js'
import { connectLocal, setOffline } from './page-connection.js'
import { noteKept } from './page-resume.js'
import { page } from './page-state.js'

export function initControlsPanel(): void {
  $('connect').addEventListener('click', () => {
    $('app-error').textContent = ''
    if (page.conn) page.conn.reconnect()
    else connectLocal()
  })
  $('close').addEventListener('click', () => {
    $('app-error').textContent = ''
    const rawCode = $<HTMLInputElement>('close-code').value.trim()
    const code = rawCode === '' ? undefined : Number(rawCode)
    try {
      page.conn?.close(code, $<HTMLInputElement>('close-reason').value)
    } catch (error) {
      const e = error as Error
      $('app-error').textContent = `${e.name}: ${e.message}`
    }
  })
  $('send').addEventListener('click', () => {
    $('app-error').textContent = ''
    const text = $<HTMLInputElement>('send-text').value
    const ok = page.conn?.send(text)
    if (ok === false) $('app-error').textContent = 'send() returned false (see drop event)'
    else noteKept(page.conn, page.sessions.get('local'), text)
  })
  $<HTMLInputElement>('offline').addEventListener('change', (e) =>
    setOffline((e.target as HTMLInputElement).checked),
  )
}
