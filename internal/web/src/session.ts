// The signed-in user, shared by the screens.
import { reactive } from 'vue'
import { me, type User } from './api/client'

export const session = reactive<{ user: User | null; checked: boolean }>({ user: null, checked: false })

/** load asks the server who is signed in (the session cookie decides). */
export async function load(): Promise<User | null> {
  try {
    session.user = await me()
  } catch {
    session.user = null
  }
  session.checked = true
  return session.user
}
