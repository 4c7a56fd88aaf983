// Vant's picker renders each column as a <ul> whose <li> items carry
// role="button": no longer list items, which axe-core reports as a broken
// list (serious). The columns are wheels of buttons, not lists, so the
// <ul> is given role="none". Used as a directive on <van-picker> and
// <van-date-picker> (v-picker-roles); Vue leaves the attribute alone on
// re-render, and updated() covers columns added later.
import type { Directive } from 'vue'

function fix(el: HTMLElement) {
  el.querySelectorAll('ul.van-picker-column__wrapper:not([role])').forEach((ul) => ul.setAttribute('role', 'none'))
}

export const vPickerRoles: Directive<HTMLElement> = { mounted: fix, updated: fix }
