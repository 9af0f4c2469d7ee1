// tflm_min (README.md): CFU Playground's menu.
#ifndef MENU_H_
#define MENU_H_

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct MenuItem {
  const char selection;
  const char* description;
  void (*const fn)(void);
  const bool exit;
};

struct Menu {
  const char* title;
  const char* prompt;
  struct MenuItem items[];
};

#define MENU_ITEM(selection, description, fn) \
  { selection, description, fn, false }
#define MENU_SENTINEL \
  { '\0', NULL, NULL, false }
#define MENU_END {'x', "eXit to previous menu", NULL, true}, MENU_SENTINEL

void menu_run(struct Menu* menu);

#ifdef __cplusplus
}
#endif

#endif
