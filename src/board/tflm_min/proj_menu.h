// tflm_min (README.md): the project menu's entry point.
#ifndef PROJ_MENU_H_
#define PROJ_MENU_H_

#ifdef __cplusplus
extern "C" {
#endif
void do_proj_menu();
#ifdef __cplusplus
}
#endif

#endif
