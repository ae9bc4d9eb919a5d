/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_RBTREE_H_INCLUDED_
#define _KG_RBTREE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef kg_uint_t  kg_rbtree_key_t;
typedef kg_int_t   kg_rbtree_key_int_t;


typedef struct kg_rbtree_node_s  kg_rbtree_node_t;

struct kg_rbtree_node_s {
    kg_rbtree_key_t       key;
    kg_rbtree_node_t     *left;
    kg_rbtree_node_t     *right;
    kg_rbtree_node_t     *parent;
    u_char                color;
    u_char                data;
};


typedef struct kg_rbtree_s  kg_rbtree_t;

typedef void (*kg_rbtree_insert_pt) (kg_rbtree_node_t *root,
    kg_rbtree_node_t *node, kg_rbtree_node_t *sentinel);

struct kg_rbtree_s {
    kg_rbtree_node_t     *root;
    kg_rbtree_node_t     *sentinel;
    kg_rbtree_insert_pt   insert;
};


#define kg_rbtree_init(tree, s, i)                                           \
    kg_rbtree_sentinel_init(s);                                              \
    (tree)->root = s;                                                        \
    (tree)->sentinel = s;                                                    \
    (tree)->insert = i

#define kg_rbtree_data(node, type, link)                                     \
    (type *) ((u_char *) (node) - offsetof(type, link))


void kg_rbtree_insert(kg_rbtree_t *tree, kg_rbtree_node_t *node);
void kg_rbtree_delete(kg_rbtree_t *tree, kg_rbtree_node_t *node);
void kg_rbtree_insert_value(kg_rbtree_node_t *root, kg_rbtree_node_t *node,
    kg_rbtree_node_t *sentinel);

/* timer keys wrap around: they are compared by their signed difference */
void kg_rbtree_insert_timer_value(kg_rbtree_node_t *root,
    kg_rbtree_node_t *node, kg_rbtree_node_t *sentinel);
kg_rbtree_node_t *kg_rbtree_next(kg_rbtree_t *tree,
    kg_rbtree_node_t *node);


#define kg_rbt_red(node)               ((node)->color = 1)
#define kg_rbt_black(node)             ((node)->color = 0)
#define kg_rbt_is_red(node)            ((node)->color)
#define kg_rbt_is_black(node)          (!kg_rbt_is_red(node))
#define kg_rbt_copy_color(n1, n2)      (n1->color = n2->color)


/* a sentinel must be black */

#define kg_rbtree_sentinel_init(node)  kg_rbt_black(node)


static inline kg_rbtree_node_t *
kg_rbtree_min(kg_rbtree_node_t *node, kg_rbtree_node_t *sentinel)
{
    while (node->left != sentinel) {
        node = node->left;
    }

    return node;
}


#endif /* _KG_RBTREE_H_INCLUDED_ */
